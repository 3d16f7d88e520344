"""Scrapy spiders: one registry-driven spider with one adapter per list-page shape."""
