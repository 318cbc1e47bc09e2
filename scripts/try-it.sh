## The commands `make up` prints and the README shows, block by block: one source, so the two
## cannot drift, and `make front-door-check` runs each block against the running system and checks
## what it prints. Lines starting with `##` are not shown. Blocks are separated by blank lines.

# a development token (HS256, 8 h; ROLES=admin for the inventory admin API)
export TOKEN=$(make -s token USER=alice)

# create an order (the headers show 201 and its location; the id is kept in ORDER_ID)
ORDER_ID=$(curl -sS -D /dev/stderr -X POST http://127.0.0.1:3000/orders \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"items":[{"sku":"MUG-BLACK","quantity":2}]}' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')

# a moment later it is CONFIRMED
curl -sS http://127.0.0.1:3000/orders/$ORDER_ID -H "Authorization: Bearer $TOKEN"

# the e-mail to alice@example.com: inbox http://127.0.0.1:8025, or
curl -sS http://127.0.0.1:8025/api/v1/messages

# 5 x POSTER-LIMITED (3 in stock): a moment later it is REJECTED
POSTER_ID=$(curl -sS -X POST http://127.0.0.1:3000/orders \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"items":[{"sku":"POSTER-LIMITED","quantity":5}]}' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
curl -sS http://127.0.0.1:3000/orders/$POSTER_ID -H "Authorization: Bearer $TOKEN"

# cancel the first order: CANCELLED
curl -sS -X POST http://127.0.0.1:3000/orders/$ORDER_ID/cancel -H "Authorization: Bearer $TOKEN"

# a moment later its 2 mugs are available again (inventory's view of the product)
curl -sS http://127.0.0.1:3001/products/MUG-BLACK -H "Authorization: Bearer $TOKEN"
