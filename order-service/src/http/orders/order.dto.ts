// Shapes of the HTTP API for the OpenAPI document. Requests are validated by the domain's
// validator (strict, JSON-pointer paths), not by these classes.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_LINES, MAX_QUANTITY, SKU_MAX_LENGTH, SKU_PATTERN } from '../../domain/limits';
import { ORDER_STATUSES, type Order, type OrderStatus } from '../../domain/order';

export class CreateOrderItemDto {
  @ApiProperty({
    pattern: SKU_PATTERN.source,
    minLength: 1,
    maxLength: SKU_MAX_LENGTH,
    example: 'TSHIRT-RED-M',
  })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_QUANTITY, example: 2 })
  quantity!: number;
}

export class CreateOrderRequestDto {
  @ApiProperty({
    type: [CreateOrderItemDto],
    minItems: 1,
    maxItems: MAX_LINES,
    description: 'One line per SKU; prices come from the catalog, never from the client.',
  })
  items!: CreateOrderItemDto[];
}

export class OrderLineDto {
  @ApiProperty() sku!: string;
  @ApiProperty({ type: 'integer' }) quantity!: number;
  @ApiProperty({ type: 'integer', description: 'Unit price in minor units of the currency' })
  unitPriceMinor!: number;
}

export class ShortLineDto {
  @ApiProperty() sku!: string;
  @ApiProperty({ type: 'integer' }) requested!: number;
  @ApiProperty({ type: 'integer' }) available!: number;
}

export class RejectionDto {
  @ApiProperty({ enum: ['insufficient_stock', 'unknown_product', 'timeout'] }) reason!: string;
  @ApiProperty({ type: [ShortLineDto] }) shortLines!: ShortLineDto[];
}

export class CancellationDto {
  @ApiProperty({ enum: ['customer', 'timeout', 'late_reservation'] }) reason!: string;
}

export class OrderDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() userId!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'EUR' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'Total in minor units of the currency' })
  totalMinor!: number;
  @ApiProperty({ type: [OrderLineDto] }) lines!: OrderLineDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ type: RejectionDto }) rejection?: RejectionDto;
  @ApiPropertyOptional({ type: CancellationDto }) cancellation?: CancellationDto;
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto] }) items!: OrderDto[];
  @ApiPropertyOptional({
    description: 'Pass as `cursor` to get the next page; absent on the last page',
  })
  nextCursor?: string;
}

export class FieldProblemDto {
  @ApiProperty({ example: '/items/0/quantity' }) path!: string;
  @ApiProperty() message!: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'urn:eventshop:problem:validation-error' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: 'integer' }) status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional({ type: [FieldProblemDto] }) errors?: FieldProblemDto[];
}

export function toOrderDto(order: Order): OrderDto {
  return {
    id: order.id,
    userId: order.userId,
    status: order.status,
    currency: order.currency,
    totalMinor: order.totalMinor,
    lines: order.lines.map((l) => ({ ...l })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    ...(order.rejection ? { rejection: { ...order.rejection } } : {}),
    ...(order.cancellation ? { cancellation: { ...order.cancellation } } : {}),
  };
}
