"""The exercise catalogue: the global library and each academy's own exercises."""
