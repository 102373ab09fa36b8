// OrbitJournal module.
