from django.contrib import admin

from .models import Brief, Entity, Revision


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "wikidata_id"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]


@admin.register(Brief)
class BriefAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "first_published_at", "last_material_update_at"]
    list_filter = ["status", "language"]
    search_fields = ["title", "slug"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["pk", "brief", "kind", "created_at", "user", "is_public"]
    list_filter = ["kind", "is_public"]
