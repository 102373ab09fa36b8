// OrbitSpec module.
