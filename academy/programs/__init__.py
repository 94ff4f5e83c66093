"""Programs, their assignment to clients and the client app's schedule."""
