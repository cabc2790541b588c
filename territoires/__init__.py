"""territoires"""
__version__ = "0.1.0"
from territoires.territory import Territory, load_territory
