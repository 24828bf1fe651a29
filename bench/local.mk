# bench — reproducible benchmarks run beside their peers.
