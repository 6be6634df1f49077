"""Reader pages. Read rules live in the querysets; these views only choose and render."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from . import conf
from .models import Brief, Entity, Section


class BriefListView(ListView):
    template_name = "briefs/brief_list.html"
    context_object_name = "briefs"
    paginate_by = 50

    def get_queryset(self):
        return Brief.objects.published().by_last_update()


class BriefDetailView(DetailView):
    template_name = "briefs/brief_detail.html"
    context_object_name = "brief"

    def get_object(self, queryset=None):
        return get_object_or_404(Brief.objects.published(), slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        brief = self.object
        sections = list(brief.sections.visible().with_entities().order_by("position"))
        entities = {}
        for section in sections:
            for tagging in section.tagged_entities.all():
                entities.setdefault(tagging.tag_id, tagging.tag)
        changelog = list(brief.revisions.public().order_by("-pk")[: conf.changelog_limit()])
        return super().get_context_data(
            sections=sections,
            entities=sorted(entities.values(), key=lambda e: (e.kind, e.name)),
            changelog=changelog,
            **kwargs,
        )


class EntityDetailView(DetailView):
    template_name = "briefs/entity_detail.html"
    context_object_name = "entity"

    def get_object(self, queryset=None):
        try:
            # An entity that only drafts mention may itself be news; readers see it once published.
            return Entity.objects.mentioned_in_published().get(slug=self.kwargs["slug"])
        except Entity.DoesNotExist:
            raise Http404 from None

    def get_context_data(self, **kwargs):
        sections = (
            Section.objects.visible()
            .filter(tagged_entities__tag=self.object)
            .select_related("brief")
            .order_by("brief__title", "brief_id", "position")
        )
        return super().get_context_data(sections=sections, **kwargs)
