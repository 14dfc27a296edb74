"""GraphQL of the WeChat mini-program: WeChat sign-in and binding, subscribe messages."""
