// HTML body. Every interpolation uses the escaping tag (<%= %>); the raw tag is never used, and a
// unit test checks that, so data from events (SKUs, addresses) cannot become markup.
export const NOTIFICATION_HTML_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title><%= it.subject %></title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #222; max-width: 640px;">
<h1 style="font-size: 20px;"><%= it.headline %></h1>
<p><%= it.explanation %></p>
<p>Order <strong><%= it.orderId %></strong></p>
<% if (it.shortLines.length > 0) { -%>
<p>Not available in the quantity you asked for:</p>
<ul>
<% it.shortLines.forEach(function (s) { -%>
<li><code><%= s.sku %></code>: you asked for <%= s.requested %>, we have <%= s.available %></li>
<% }) -%>
</ul>
<% } -%>
<table style="border-collapse: collapse;" cellpadding="6">
<thead>
<tr><th align="left">Item</th><th align="right">Quantity</th><th align="right">Price</th><th align="right">Amount</th></tr>
</thead>
<tbody>
<% it.lines.forEach(function (line) { -%>
<tr><td><code><%= line.sku %></code></td><td align="right"><%= line.quantity %></td><td align="right"><%= line.unitPrice %></td><td align="right"><%= line.lineTotal %></td></tr>
<% }) -%>
</tbody>
<tfoot>
<tr><th align="left" colspan="3">Total</th><th align="right"><%= it.total %></th></tr>
</tfoot>
</table>
<p style="color: #666; font-size: 12px;">This message was sent to <%= it.email %> about your EventShop order <%= it.orderReference %>.</p>
</body>
</html>
`;
