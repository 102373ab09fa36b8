// OrbitCompute module.
