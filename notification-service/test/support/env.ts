// Integration tests run against the real infrastructure through the service kit's harness:
// the servers of AMQP_URL / MONGODB_URI when set (the pipeline sets them), otherwise containers;
// with neither it fails with one line saying how to provide them. Each test file gets its own
// vhost and database.
import { testInfra, type TestScope } from '@eventshop/service-kit/testing';

export async function testScope(name: string): Promise<TestScope> {
  return (await testInfra()).scope(name);
}
