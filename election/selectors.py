"""Reads on the competition's structure, shaped for the organiser admin's lists."""

from django.db.models import Count, Q, QuerySet

from .models import Brand, Category, Edition, Entry


def editions_with_counts() -> QuerySet[Edition]:
    """Editions with ``n_categories`` and ``n_entries`` (registered entries) in one query."""
    return Edition.objects.annotate(
        n_categories=Count("categories", distinct=True),
        n_entries=Count("categories__entries", filter=Q(categories__entries__status="registered"), distinct=True),
    )


def categories_with_counts() -> QuerySet[Category]:
    """Categories with their edition and ``n_entries`` / ``n_registered``."""
    return Category.objects.select_related("edition").annotate(
        n_entries=Count("entries", distinct=True),
        n_registered=Count("entries", filter=Q(entries__status="registered"), distinct=True),
    )


def brands_with_counts() -> QuerySet[Brand]:
    """Brands with ``n_entries`` (every edition) and ``n_members``."""
    # A grouped query ignores Meta.ordering: the admin's pages need a stable order.
    return Brand.objects.annotate(
        n_entries=Count("entries", distinct=True),
        n_members=Count("memberships", distinct=True),
    ).order_by("name", "pk")


def entries_listed() -> QuerySet[Entry]:
    """Entries with their brand, category and edition loaded for a list."""
    return Entry.objects.select_related("brand", "category", "category__edition")


def categories_to_enter(*, edition_id: int | None = None) -> QuerySet[Category]:
    """The categories an entry may be registered in: those of editions not frozen (a frozen edition
    takes no entry), or of one edition; the newest edition first, then by country and name."""
    categories = Category.objects.select_related("edition").filter(edition__frozen_at__isnull=True)
    if edition_id is not None:
        categories = categories.filter(edition_id=edition_id)
    return categories.order_by("-edition__year", "edition__country", "name", "pk")
