// OrbitCoordinator module.
