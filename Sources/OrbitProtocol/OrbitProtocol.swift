// OrbitProtocol module.
