"""Dagster definitions, one package per source system plus the warehouse."""
