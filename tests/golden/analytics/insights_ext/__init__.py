"""Your code for insights: specfoundry created this package once and never overwrites it."""
