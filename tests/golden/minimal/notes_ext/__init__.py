"""Your code for notes: specfoundry created this package once and never overwrites it."""
