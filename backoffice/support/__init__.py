"""Support requests (seed 003): staff ask the service desk for something (a service request) or report a
problem, see matching help articles while they type, and follow the request by its reference and access key.
"""
