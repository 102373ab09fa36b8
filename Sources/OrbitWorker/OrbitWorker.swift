// OrbitWorker module.
