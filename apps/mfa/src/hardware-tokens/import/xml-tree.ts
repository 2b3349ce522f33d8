import { SaxesParser, SaxesTagNS } from 'saxes';
import { TokenImportFormatError } from './token-import.types';

/** An element with its namespace URI and local name; attributes by local name; `text` is its own text, untrimmed. */
export type XmlElement = {
  namespace: string;
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
};

const MAX_DEPTH = 64;

/**
 * Parses untrusted XML into a small tree, refusing anything that could make a parser reach outside the text or
 * expand it: a DOCTYPE or ENTITY declaration is refused before parsing (that rules out XXE and billion laughs),
 * and saxes never loads external resources and knows only the five predefined entities, failing on any other
 * reference. `onElement` may throw to stop early, e.g. past a size limit.
 * Errors give a position only: the parser's own message could quote text, and text may be a secret.
 */
export function parseUntrustedXml(xml: string, onElement: (element: XmlElement) => void = () => {}): XmlElement {
  refuseDeclarations(xml);
  const parser = new SaxesParser({ xmlns: true });
  const open: XmlElement[] = [];
  let root: XmlElement | undefined;

  parser.on('doctype', () => {
    throw new TokenImportFormatError('the file declares a DOCTYPE, which is not allowed');
  });
  parser.on('opentag', (tag) => {
    const element = elementOf(tag);
    if (open.length >= MAX_DEPTH) throw new TokenImportFormatError(`the XML is nested deeper than ${MAX_DEPTH} elements`);
    open.at(-1)?.children.push(element);
    root ??= element;
    open.push(element);
    onElement(element);
  });
  parser.on('closetag', () => {
    open.pop();
  });
  const appendText = (text: string) => {
    const element = open.at(-1);
    if (element) element.text += text;
  };
  parser.on('text', appendText);
  parser.on('cdata', appendText);
  parser.on('error', () => {
    throw new TokenImportFormatError(`the file is not well-formed XML (line ${parser.line}, column ${parser.column + 1})`);
  });

  parser.write(xml).close();
  if (!root) throw new TokenImportFormatError('the file is not XML');
  return root;
}

function refuseDeclarations(xml: string): void {
  if (xml.includes('\0')) throw new TokenImportFormatError('the file contains NUL characters: it is binary, not XML');
  if (/<!DOCTYPE/i.test(xml)) throw new TokenImportFormatError('the file declares a DOCTYPE, which is not allowed');
  if (/<!ENTITY/i.test(xml)) throw new TokenImportFormatError('the file declares an ENTITY, which is not allowed');
}

function elementOf(tag: SaxesTagNS): XmlElement {
  const attributes: Record<string, string> = {};
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.prefix !== 'xmlns' && attribute.name !== 'xmlns') attributes[attribute.local] = attribute.value;
  }
  return { namespace: tag.uri, name: tag.local, attributes, children: [], text: '' };
}

export const childNamed = (element: XmlElement | undefined, name: string): XmlElement | undefined =>
  element?.children.find((child) => child.name === name);

export const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((child) => child.name === name);

/** The element at a path of local names below `element`, first match at each step. */
export const descendant = (element: XmlElement | undefined, ...path: string[]): XmlElement | undefined =>
  path.reduce<XmlElement | undefined>((found, name) => childNamed(found, name), element);

export const trimmedText = (element: XmlElement | undefined): string | undefined => element?.text.trim();
