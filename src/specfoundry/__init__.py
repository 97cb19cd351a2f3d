"""specfoundry: compile SaaS service specs into a contract, a service and its tests."""

__version__ = "0.1.0"
