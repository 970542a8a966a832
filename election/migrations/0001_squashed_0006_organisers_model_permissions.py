"""election's history, 0001 to 0006, squashed into one migration (issue 14).

``replaces`` keeps a database migrated to 0006 as it is: Django records this migration as applied
there. Two data migrations were left out, both redundant with common.permissions'
post_migrate receiver (``sync_organisers_group``), which after every ``migrate`` creates the
"Organisers" group if missing and gives it every permission of the four competition apps, the
organisers' own ``organise_competition`` among them: 0003's group creation and 0006's model
permissions grant."""

import django.core.validators
import django.db.models.deletion
import election.fieldwork
import election.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('election', '0001_initial'), ('election', '0002_verbose_names_of_timestamps'), ('election', '0003_organisers_permission_and_group'), ('election', '0004_edition_auditor'), ('election', '0005_fieldwork_settings'), ('election', '0006_organisers_model_permissions')]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Brand',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80, unique=True, verbose_name='slug')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('logo', models.ImageField(blank=True, upload_to='brands/', verbose_name='logo')),
                ('website', models.URLField(blank=True, verbose_name='website')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'brand',
                'verbose_name_plural': 'brands',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Edition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(help_text='ISO 3166 code in capitals, e.g. FR.', max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'Use the two-letter ISO code in capitals, e.g. FR.')], verbose_name='country')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('language', models.CharField(choices=[('fr', 'French'), ('en', 'English'), ('es', 'Spanish'), ('de', 'German')], default='fr', max_length=2, verbose_name='language')),
                ('time_zone', models.CharField(default='Europe/Paris', max_length=64, validators=[election.models.validate_time_zone], verbose_name='time zone')),
                ('registration_opens_on', models.DateField(blank=True, null=True, verbose_name='registration opens')),
                ('registration_closes_on', models.DateField(blank=True, null=True, verbose_name='registration closes')),
                ('tests_start_on', models.DateField(blank=True, null=True, verbose_name='tests start')),
                ('tests_end_on', models.DateField(blank=True, null=True, verbose_name='tests end')),
                ('results_released_at', models.DateTimeField(blank=True, help_text='From this moment brands read their scorecards (and may appeal until appeals close).', null=True, verbose_name='results released to brands')),
                ('appeals_close_at', models.DateTimeField(blank=True, null=True, verbose_name='appeals close')),
                ('ceremony_at', models.DateTimeField(blank=True, null=True, verbose_name='ceremony')),
                ('threshold', models.DecimalField(decimal_places=2, default=Decimal('12.00'), help_text="Out of 20: a laureate's overall score must reach it.", max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('20'))], verbose_name='qualifying mark')),
                ('min_entrants', models.PositiveSmallIntegerField(default=3, help_text='Complete entries a category needs before it can be awarded.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='minimum complete entries')),
                ('completion', models.DecimalField(decimal_places=3, default=Decimal('1.000'), help_text="Share of each channel's quota that must be counted for an entry to be complete.", max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0.001')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='completion')),
                ('quota_phone', models.PositiveIntegerField(default=140, help_text='Tests planned per entry on this channel; 0 leaves the channel out of the edition.', verbose_name='quota: phone')),
                ('quota_email', models.PositiveIntegerField(default=50, help_text='Tests planned per entry on this channel; 0 leaves the channel out of the edition.', verbose_name='quota: email')),
                ('quota_web', models.PositiveIntegerField(default=15, help_text='Tests planned per entry on this channel; 0 leaves the channel out of the edition.', verbose_name='quota: web')),
                ('quota_chat', models.PositiveIntegerField(default=10, help_text='Tests planned per entry on this channel; 0 leaves the channel out of the edition.', verbose_name='quota: chat')),
                ('quota_social', models.PositiveIntegerField(default=10, help_text='Tests planned per entry on this channel; 0 leaves the channel out of the edition.', verbose_name='quota: social')),
                ('weight_phone', models.PositiveIntegerField(blank=True, help_text='Relative weight in the overall score; blank means equal to the quota.', null=True, verbose_name='weight: phone')),
                ('weight_email', models.PositiveIntegerField(blank=True, help_text='Relative weight in the overall score; blank means equal to the quota.', null=True, verbose_name='weight: email')),
                ('weight_web', models.PositiveIntegerField(blank=True, help_text='Relative weight in the overall score; blank means equal to the quota.', null=True, verbose_name='weight: web')),
                ('weight_chat', models.PositiveIntegerField(blank=True, help_text='Relative weight in the overall score; blank means equal to the quota.', null=True, verbose_name='weight: chat')),
                ('weight_social', models.PositiveIntegerField(blank=True, help_text='Relative weight in the overall score; blank means equal to the quota.', null=True, verbose_name='weight: social')),
                ('frozen_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='results frozen')),
                ('published_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='palmarès public from')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('audit_required', models.BooleanField(default=False, help_text='Publication is refused until the auditor has signed the audit off.', verbose_name='audit required')),
                ('auditor', models.ForeignKey(blank=True, help_text="The independent controller (e.g. a commissaire de justice) who audits this edition's tests.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audited_editions', to=settings.AUTH_USER_MODEL, verbose_name='auditor')),
                ('auditor_name', models.CharField(blank=True, help_text='As printed on the palmarès and certificates, e.g. “Maître Jeanne Martin”.', max_length=200, verbose_name="auditor's public name")),
                ('max_shopper_share', models.DecimalField(decimal_places=3, default=Decimal('0.20'), help_text="Largest share of one entry's tests on a channel that one shopper may make, e.g. 0.2 for a fifth.", max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0.001')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='largest share of one shopper')),
                ('scenarios', models.JSONField(blank=True, default=election.fieldwork.default_scenarios, help_text='Scenario codes results may name, e.g. [{"code": "S1", "label": "Change of address"}]; empty: any scenario code is accepted.', verbose_name='scenarios')),
                ('slots', models.JSONField(default=election.fieldwork.default_slots, help_text='Local time slots of the fieldwork plan, e.g. [{"code": "morning", "start": "09:00", "end": "12:00"}].', verbose_name='time slots')),
            ],
            options={
                'verbose_name': 'edition',
                'verbose_name_plural': 'editions',
                'ordering': ['-year', 'country'],
                'constraints': [models.UniqueConstraint(fields=('country', 'year'), name='edition_unique_country_year'), models.CheckConstraint(condition=models.Q(('threshold__gte', 0), ('threshold__lte', 20)), name='edition_threshold_0_20'), models.CheckConstraint(condition=models.Q(('completion__gt', 0), ('completion__lte', 1)), name='edition_completion_0_1'), models.CheckConstraint(condition=models.Q(('min_entrants__gte', 1)), name='edition_min_entrants_positive')],
                'permissions': [('organise_competition', 'Can organise the competition (rankings, previews, every scorecard)')],
            },
        ),
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80, verbose_name='slug')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='categories', to='election.edition', verbose_name='edition')),
            ],
            options={
                'verbose_name': 'category',
                'verbose_name_plural': 'categories',
                'ordering': ['edition', 'slug'],
                'constraints': [models.UniqueConstraint(fields=('edition', 'slug'), name='category_unique_slug_in_edition')],
            },
        ),
        migrations.CreateModel(
            name='Entry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('registered', 'Registered'), ('withdrawn', 'Withdrawn'), ('disqualified', 'Disqualified')], default='registered', max_length=16, verbose_name='status')),
                ('status_reason', models.TextField(blank=True, verbose_name='reason for the status')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('brand', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='election.brand', verbose_name='brand')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='election.category', verbose_name='category')),
            ],
            options={
                'verbose_name': 'entry',
                'verbose_name_plural': 'entries',
                'ordering': ['category', 'brand__name'],
                'constraints': [models.UniqueConstraint(fields=('category', 'brand'), name='entry_unique_brand_in_category'), models.CheckConstraint(condition=models.Q(('status__in', ['registered', 'withdrawn', 'disqualified'])), name='entry_status_valid')],
            },
        ),
        migrations.CreateModel(
            name='BrandMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('brand', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='election.brand', verbose_name='brand')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='brand_memberships', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'brand member',
                'verbose_name_plural': 'brand members',
                'constraints': [models.UniqueConstraint(fields=('user', 'brand'), name='membership_unique_user_brand')],
            },
        ),
    ]
