"""Layer 6, the course machinery: notebook setup, the environment doctor, exercise checks, the FAQ quiz, student
versions, the course's model settings (`recipes`) and the `recsys-lab` command line."""
