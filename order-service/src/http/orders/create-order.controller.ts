import { Body, Controller, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CreateOrderService } from '../../orders/create-order.service';
import { SagaAdmission } from '../../orders/saga-admission';
import { CurrentUser, JwtAuthGuard, type Principal } from '@eventshop/service-kit';
import { ApiProblemResponses } from '../problem/api-problem-responses';
import { CreateOrderAdmissionGuard } from './create-order-admission.guard';
import { CreateOrderRateLimitGuard } from './create-order-rate-limit.guard';
import { CreateOrderRequestDto, OrderDto, toOrderDto } from './order.dto';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class CreateOrderController {
  constructor(
    private readonly service: CreateOrderService,
    private readonly admission: SagaAdmission,
  ) {}

  @Post()
  @UseGuards(CreateOrderAdmissionGuard, CreateOrderRateLimitGuard, JwtAuthGuard)
  @HttpCode(201)
  @ApiBody({ type: CreateOrderRequestDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Retry-safe creation: the same key and body within 24 h return the same order; the same key with another body is refused (422).',
  })
  @ApiCreatedResponse({ type: OrderDto, description: 'The order, PENDING until inventory answers' })
  @ApiProblemResponses(400, 401, 403, 413, 415, 422, 429)
  async create(
    @CurrentUser() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderDto> {
    const { order, replayed } = await this.service.create(principal, body, idempotencyKey);
    if (!replayed) this.admission.accepted();
    void reply.header('location', `/orders/${order.id}`);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return toOrderDto(order);
  }
}
