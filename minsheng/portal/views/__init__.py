"""The citizen portal's pages, one module per area: the home page and account, my cases."""
