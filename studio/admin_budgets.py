"""Budgets in the admin: their own list, and an inline on each user's page."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import DecimalField, IntegerField, OuterRef, Subquery, Sum

from gallery.models import Profile

from .models import Budget, Job, JobStatus
from .usage import IN_FLIGHT, format_usd, month_shift, month_start


def _spent(field: str, output_field, statuses=(JobStatus.SUCCEEDED,)):
    """This month's total of ``field`` over the budget user's jobs in ``statuses``, as a subquery."""
    start = month_start()
    jobs = Job.objects.filter(owner=OuterRef("user"), status__in=statuses,
                              created_at__gte=start, created_at__lt=month_shift(start, 1))
    return Subquery(jobs.order_by().values("owner").annotate(total=Sum(field)).values("total"),
                    output_field=output_field)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["user", "monthly_cost", "monthly_images", "spent_this_month"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        # One query for the whole list rather than one per row.
        return super().get_queryset(request).annotate(
            spent_cost=_spent("cost", DecimalField(max_digits=12, decimal_places=6)),
            spent_images=_spent("image_count", IntegerField()),
            reserved_cost=_spent("estimate", DecimalField(max_digits=12, decimal_places=6), IN_FLIGHT))

    @admin.display(description="Spent this month")
    def spent_this_month(self, budget):
        images = budget.spent_images or 0
        text = f"{format_usd(budget.spent_cost or 0)} · {images} image{'' if images == 1 else 's'}"
        if budget.reserved_cost:  # held by queued and running jobs until they end
            text += f" (+ {format_usd(budget.reserved_cost)} reserved)"
        return text


class BudgetInline(admin.StackedInline):
    model = Budget
    extra = max_num = 1  # the form is there to fill in; left blank, no row is saved
    verbose_name = verbose_name_plural = "Monthly budget (blank means no limit)"


class ProfileInline(admin.StackedInline):
    model = Profile
    extra = max_num = 1
    can_delete = False
    verbose_name = verbose_name_plural = "Profile"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithBudgetAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, ProfileInline, BudgetInline]
