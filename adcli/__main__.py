"""python -m adcli"""
from .cli.app import main

main()
