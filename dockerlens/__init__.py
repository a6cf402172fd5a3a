"""dockerlens: lint Dockerfiles and analyse the layers of built container images."""

__version__ = "0.1.0"
