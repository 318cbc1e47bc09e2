// OpenAPI shapes of the admin API (documentation only: bodies are checked by product-requests).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const SKU = '^[A-Z0-9]+(?:-[A-Z0-9]+)*$';

export class PutProductBody {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Blue mug' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Price in minor units', example: 1299 })
  priceMinor!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'EUR' })
  currency!: string;

  @ApiProperty()
  active!: boolean;
}

export class StockAdjustmentBody {
  @ApiProperty({
    type: 'integer',
    description: 'Units added (restock, > 0) or removed (write-off, < 0); never more than is free',
    example: 25,
  })
  delta!: number;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'delivery 2024-11-02' })
  reason!: string;
}

export class ProductResponse {
  @ApiProperty({ pattern: SKU, maxLength: 64, example: 'MUG-BLUE' })
  sku!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: 'integer' })
  priceMinor!: number;

  @ApiProperty()
  currency!: string;

  @ApiProperty()
  active!: boolean;

  @ApiProperty({ type: 'integer', description: 'Increases by one on every catalog change' })
  version!: number;

  @ApiProperty({ type: 'integer' })
  onHand!: number;

  @ApiProperty({ type: 'integer', description: 'Held by reserved orders' })
  reserved!: number;

  @ApiProperty({ type: 'integer', description: 'onHand - reserved' })
  available!: number;
}

export class StockAdjustmentResponse {
  @ApiProperty({ format: 'uuid' })
  adjustmentId!: string;

  @ApiProperty({ type: ProductResponse })
  product!: ProductResponse;
}

export class ProductPage {
  @ApiProperty({ type: [ProductResponse] })
  items!: ProductResponse[];

  @ApiPropertyOptional({
    description: 'Pass as `after` for the next page; absent on the last page',
  })
  nextAfter?: string;
}

export class ProblemResponse {
  @ApiProperty({ example: 'urn:eventshop:problem:validation-error' })
  type!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ type: 'integer' })
  status!: number;

  @ApiPropertyOptional()
  detail?: string;

  @ApiPropertyOptional()
  instance?: string;

  @ApiPropertyOptional({
    description: 'Per field: JSON pointer and message',
    type: 'array',
    items: {
      type: 'object',
      properties: { path: { type: 'string' }, message: { type: 'string' } },
    },
  })
  errors?: { path: string; message: string }[];
}

export class StockAdjustmentEntry {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: 'integer' })
  delta!: number;

  @ApiProperty()
  reason!: string;

  @ApiProperty({ description: 'The token subject of the admin who made it' })
  actor!: string;

  @ApiProperty({ enum: ['pending', 'applied', 'refused'] })
  status!: string;

  @ApiPropertyOptional({ type: 'integer' })
  onHandAfter?: number;

  @ApiPropertyOptional({ type: 'integer' })
  availableAfter?: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class StockAdjustmentTrail {
  @ApiProperty({ type: [StockAdjustmentEntry] })
  items!: StockAdjustmentEntry[];
}
