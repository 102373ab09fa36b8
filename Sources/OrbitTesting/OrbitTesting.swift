// OrbitTesting module.
