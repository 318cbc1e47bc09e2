// Plain-text body. Rendered without HTML escaping: it is text/plain, nothing interprets markup.
// Control tags end in `-%>`, which drops the newline after them.
export const NOTIFICATION_TEXT_TEMPLATE = `<%= it.headline %>

<%= it.explanation %>

Order: <%= it.orderId %>
<% if (it.shortLines.length > 0) { -%>

Not available in the quantity you asked for:
<% it.shortLines.forEach(function (s) { -%>
  - <%= s.sku %>: you asked for <%= s.requested %>, we have <%= s.available %>
<% }) -%>
<% } -%>

<% it.lines.forEach(function (line) { -%>
  <%= line.quantity %> x <%= line.sku %> at <%= line.unitPrice %> = <%= line.lineTotal %>
<% }) -%>
  Total: <%= it.total %>

This message was sent to <%= it.email %> about your EventShop order <%= it.orderReference %>.
`;
