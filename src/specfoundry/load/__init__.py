"""Stage 1: read YAML into plain data, remembering where every node came from."""

from specfoundry.load.loader import LoadedSpec, SourceMap, load_spec

__all__ = ["LoadedSpec", "SourceMap", "load_spec"]
