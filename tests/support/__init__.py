"""Test helpers: real servers started and stopped by the tests, Git fixtures, CLI runners."""
