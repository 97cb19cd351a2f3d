"""Stage 4: emitters. Each reads only the intermediate model (specfoundry.model)."""
