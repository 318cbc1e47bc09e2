import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CancelOrderService } from '../../orders/cancel-order.service';
import { CurrentUser, JwtAuthGuard, type Principal } from '@eventshop/service-kit';
import { ApiProblemResponses } from '../problem/api-problem-responses';
import { checkOrderId } from './order-id';
import { OrderDto, toOrderDto } from './order.dto';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
@UseGuards(JwtAuthGuard)
export class CancelOrderController {
  constructor(private readonly service: CancelOrderService) {}

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: OrderDto, description: 'The cancelled order' })
  @ApiProblemResponses(401, 404, 409)
  async cancel(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<OrderDto> {
    return toOrderDto(await this.service.cancel(principal, checkOrderId(id)));
  }
}
