// Prints a store token signed exactly as Medusa v1.20's POST /store/auth/token signs one
// (packages/medusa/src/api/routes/store/auth/get-token.ts):
//   jwt.sign({ customer_id, domain: "store" }, jwt_secret, { expiresIn: "30d" })
// with the jsonwebtoken release Medusa 1.20.11 resolves to (9.0.3, pinned in
// package-lock.json, the same jws 4.0.1 / jwa 2.0.1 as the reference server's lock).
// Usage: JWT_SECRET=... node medusa-token.mjs CUSTOMER_ID
import jwt from "jsonwebtoken";

const customerId = process.argv[2];
const secret = process.env.JWT_SECRET;
if (!customerId || !secret) {
  console.error("usage: JWT_SECRET=... node medusa-token.mjs CUSTOMER_ID");
  process.exit(2);
}
process.stdout.write(jwt.sign({ customer_id: customerId, domain: "store" }, secret, { expiresIn: "30d" }) + "\n");
