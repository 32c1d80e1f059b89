/**
 * Built-in simulated systems: a deterministic order API and an idempotent
 * warehouse. They exist for the tutorial, examples and tests; they are not
 * connectors to real systems.
 */
export { simulatedOrders, simulatedOrder, type SimulatedOrder } from './orders-source.js';
export { simulatedWarehouse, readWarehouse } from './warehouse-sink.js';
