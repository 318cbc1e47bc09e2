import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { QueryOrdersService } from '../../orders/query-orders.service';
import { CurrentUser, JwtAuthGuard, type Principal } from '@eventshop/service-kit';
import { ApiProblemResponses } from '../problem/api-problem-responses';
import { checkOrderId } from './order-id';
import { OrderDto, toOrderDto } from './order.dto';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
@UseGuards(JwtAuthGuard)
export class GetOrderController {
  constructor(private readonly service: QueryOrdersService) {}

  @Get(':id')
  @ApiOkResponse({ type: OrderDto, description: 'The order (owner, or a user with role admin)' })
  @ApiProblemResponses(401, 404)
  async get(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<OrderDto> {
    return toOrderDto(await this.service.get(principal, checkOrderId(id)));
  }
}
