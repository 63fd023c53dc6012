"""Front-end tests (JupyterLab in headless Chromium). A package, so that its conftest does not shadow tests/conftest.py."""
