import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConsumerHost } from '@bulwark/platform';
import { tokenInventoryProjection } from './token-inventory.projection';

@Injectable()
export class TokenInventoryProjection implements OnModuleInit {
  constructor(private readonly consumers: ConsumerHost) {}

  onModuleInit(): void {
    this.consumers.registerProjection(tokenInventoryProjection);
  }
}
