// ZeroMQ module.
