// OrbitAnalysis module.
