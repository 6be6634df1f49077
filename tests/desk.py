"""Helpers shared by the admin desk tests: role users and change-form POST data."""

from django.contrib.auth.models import Group
from django.urls import reverse

from briefs.models import Revision
from briefs.roles import ensure_roles

PASSWORD = "pw-desk-123"


def make_user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True, **extra)
    if role:
        if not Group.objects.filter(name=role).exists():
            # Transactional tests flush the tables, and with them the groups the migration made.
            ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return django_user_model.objects.get(pk=user.pk)


def change_url(brief):
    return reverse("admin:briefs_brief_change", args=[brief.pk])


def change_data(brief, *, note="", kind="update", expected=None, sections=None, **fields):
    """POST data equal to what the change form shows now, with ``fields`` and ``sections`` overrides.

    ``sections`` maps a section's index to a dict of its overrides; ``"entities"`` are entity ids.
    """
    latest = Revision.objects.filter(brief=brief).values_list("pk", flat=True).first()
    data = {
        "title": brief.title,
        "slug": brief.slug,
        "dek": brief.dek,
        "language": brief.language,
        "status": brief.status,
        "update_kind": kind,
        "update_note": note,
        "expected_revision": latest if expected is None else expected,
    }
    data.update(fields)
    rows = list(brief.sections.order_by("position"))
    prefix = "sections"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    sections = sections or {}
    for index, section in enumerate(rows):
        row = {
            "id": section.pk,
            "brief": brief.pk,
            "order": index,
            "heading": section.heading,
            "body": section.body,
            "hidden": section.hidden,
            "entities": [t.tag_id for t in section.tagged_entities.all()],
        }
        row.update(sections.get(index, {}))
        for name, value in row.items():
            if name == "hidden" or name == "DELETE":
                if value:
                    data[f"{prefix}-{index}-{name}"] = "on"
            else:
                data[f"{prefix}-{index}-{name}"] = value
    return data


def add_row(data, index, **row):
    """Append a new section row to change-form data."""
    prefix = "sections"
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in row.items():
        if name == "hidden":
            if value:
                data[f"{prefix}-{index}-{name}"] = "on"
        else:
            data[f"{prefix}-{index}-{name}"] = value
    return data
