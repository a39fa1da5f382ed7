from django import template

register = template.Library()


@register.filter
def price_in(product, currency: str):
    """``{{ product|price_in:currency }}``: the product's price in that currency, or None."""
    return product.price_in(currency)
