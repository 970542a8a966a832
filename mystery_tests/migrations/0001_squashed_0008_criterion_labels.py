"""mystery_tests' history, 0001 to 0008, squashed into one migration (issue 14).

``replaces`` keeps a database migrated to 0008 as it is: Django records this migration as applied
there. Two data migrations were left out, both rewriting rows that existed before them (on a new
database there are none; on an old one they have run): 0004's fingerprints of stored results and of
their replaced versions (publication fingerprints any result still without one), and 0008's
``Criterion.labels`` filled from ``label``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('mystery_tests', '0001_initial'), ('mystery_tests', '0002_verbose_names'), ('mystery_tests', '0003_import_job_attempts_and_omitted_errors'), ('mystery_tests', '0004_provenance_fingerprints_and_receipts'), ('mystery_tests', '0005_result_shopper_and_scenario'), ('mystery_tests', '0006_importjob_heartbeat_at'), ('mystery_tests', '0007_calibration_rounds'), ('mystery_tests', '0008_criterion_labels')]

    initial = True

    dependencies = [
        ('election', '0001_squashed_0006_organisers_model_permissions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Agency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80, unique=True, verbose_name='slug')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='contact e-mail')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'agency',
                'verbose_name_plural': 'agencies',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='AgencyMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='mystery_tests.agency', verbose_name='agency')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='agency_membership', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'agency member',
                'verbose_name_plural': 'agency members',
            },
        ),
        migrations.CreateModel(
            name='Campaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(verbose_name='ends on')),
                ('status', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=8, verbose_name='status')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='mystery_tests.agency', verbose_name='agency')),
                ('categories', models.ManyToManyField(blank=True, related_name='campaigns', to='election.category', verbose_name='categories')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='campaigns', to='election.edition', verbose_name='edition')),
            ],
            options={
                'verbose_name': 'campaign',
                'verbose_name_plural': 'campaigns',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('edition', 'agency'), name='campaign_unique_agency_in_edition'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='campaign_window_ordered')],
            },
        ),
        migrations.CreateModel(
            name='Criterion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('phone', 'Phone'), ('email', 'E-mail'), ('web', 'Web'), ('chat', 'Chat'), ('social', 'Social networks')], max_length=8, verbose_name='channel')),
                ('code', models.SlugField(max_length=60, verbose_name='code')),
                ('label', models.CharField(max_length=200, verbose_name='label')),
                ('weight', models.PositiveSmallIntegerField(verbose_name='weight')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='election.edition', verbose_name='edition')),
                ('labels', models.JSONField(blank=True, default=dict, verbose_name='labels by language')),
            ],
            options={
                'verbose_name': 'grid criterion',
                'verbose_name_plural': 'grid criteria',
                'ordering': ['edition', 'channel', 'position', 'id'],
                'constraints': [models.UniqueConstraint(fields=('edition', 'channel', 'code'), name='criterion_unique_code_in_channel'), models.CheckConstraint(condition=models.Q(('weight__gt', 0)), name='criterion_weight_positive')],
            },
        ),
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(upload_to='imports/%Y/%m/', verbose_name='file')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'XLSX')], max_length=4, verbose_name='format')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status')),
                ('rows_total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                ('rows_done', models.PositiveIntegerField(default=0, verbose_name='rows done')),
                ('created', models.PositiveIntegerField(default=0, verbose_name='created')),
                ('updated', models.PositiveIntegerField(default=0, verbose_name='updated')),
                ('unchanged', models.PositiveIntegerField(default=0, verbose_name='unchanged')),
                ('errors', models.JSONField(blank=True, default=list, verbose_name='errors')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='imports', to='mystery_tests.campaign', verbose_name='campaign')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('errors_omitted', models.PositiveIntegerField(default=0, verbose_name='errors not listed')),
                ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='queued at')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last heartbeat')),
            ],
            options={
                'verbose_name': 'file import',
                'verbose_name_plural': 'file imports',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='TestResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_id', models.CharField(max_length=100, verbose_name='external id')),
                ('channel', models.CharField(choices=[('phone', 'Phone'), ('email', 'E-mail'), ('web', 'Web'), ('chat', 'Chat'), ('social', 'Social networks')], max_length=8, verbose_name='channel')),
                ('performed_at', models.DateTimeField(verbose_name='performed at')),
                ('reached', models.BooleanField(verbose_name='reached')),
                ('wait_seconds', models.FloatField(blank=True, null=True, verbose_name='waiting time (s)')),
                ('response_hours', models.FloatField(blank=True, null=True, verbose_name='response time (h)')),
                ('scores', models.JSONField(blank=True, default=dict, verbose_name='points')),
                ('comment', models.TextField(blank=True, verbose_name='comment')),
                ('score', models.FloatField(verbose_name='score /20')),
                ('excluded', models.BooleanField(default=False, verbose_name='excluded')),
                ('exclusion_reason', models.TextField(blank=True, verbose_name='reason for exclusion')),
                ('excluded_at', models.DateTimeField(blank=True, null=True, verbose_name='excluded at')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='mystery_tests.agency', verbose_name='agency')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='mystery_tests.campaign', verbose_name='campaign')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='test_results', to='election.entry', verbose_name='entry')),
                ('excluded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='excluded by')),
                ('fingerprint', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='fingerprint')),
                ('scenario', models.CharField(blank=True, max_length=40, verbose_name='scenario')),
                ('shopper', models.CharField(blank=True, db_index=True, max_length=40, verbose_name='shopper')),
            ],
            options={
                'verbose_name': 'test result',
                'verbose_name_plural': 'test results',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['entry', 'channel'], name='result_entry_channel'), models.Index(fields=['campaign', 'id'], name='result_campaign_id')],
                'constraints': [models.UniqueConstraint(fields=('agency', 'external_id'), name='result_unique_agency_external_id'), models.CheckConstraint(condition=models.Q(('score__gte', 0), ('score__lte', 20)), name='result_score_0_20'), models.CheckConstraint(condition=models.Q(('wait_seconds__isnull', True), ('wait_seconds__gte', 0), _connector='OR'), name='result_wait_non_negative'), models.CheckConstraint(condition=models.Q(('response_hours__isnull', True), ('response_hours__gte', 0), _connector='OR'), name='result_response_non_negative')],
            },
        ),
        migrations.CreateModel(
            name='ResultEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('created', 'Created'), ('replaced', 'Replaced'), ('excluded', 'Excluded'), ('restored', 'Restored')], max_length=10, verbose_name='kind')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('data', models.JSONField(blank=True, default=dict, verbose_name='data')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('result', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='mystery_tests.testresult', verbose_name='result')),
                ('fingerprint', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='fingerprint')),
            ],
            options={
                'verbose_name': 'result event',
                'verbose_name_plural': 'result history',
                'ordering': ['result', 'at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='UploadReceipt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.PositiveIntegerField(verbose_name='tests')),
                ('root', models.CharField(max_length=64, verbose_name='root')),
                ('signed_at', models.CharField(max_length=20, verbose_name='signed at')),
                ('key_id', models.CharField(max_length=64, verbose_name='key id')),
                ('signature', models.CharField(max_length=100, verbose_name='signature')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='receipts', to='mystery_tests.campaign', verbose_name='campaign')),
                ('import_job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='receipt', to='mystery_tests.importjob', verbose_name='file import')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
            ],
            options={
                'verbose_name': 'upload receipt',
                'verbose_name_plural': 'upload receipts',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='CalibrationRound',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('phone', 'Phone'), ('email', 'E-mail'), ('web', 'Web'), ('chat', 'Chat'), ('social', 'Social networks')], max_length=8, verbose_name='channel')),
                ('title', models.CharField(max_length=200, verbose_name='reference contact')),
                ('held_on', models.DateField(verbose_name='held on')),
                ('contact', models.TextField(blank=True, help_text='What the shoppers scored: a transcript, or where the recording is.', verbose_name='the contact')),
                ('reference', models.JSONField(blank=True, default=dict, verbose_name='reference points')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calibration_rounds', to='election.edition', verbose_name='edition')),
            ],
            options={
                'verbose_name': 'calibration round',
                'verbose_name_plural': 'calibration rounds',
                'ordering': ['edition', 'channel', 'held_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='CalibrationRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shopper', models.CharField(max_length=40, verbose_name='shopper')),
                ('scores', models.JSONField(blank=True, default=dict, verbose_name='points')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='mystery_tests.agency', verbose_name='agency')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to='mystery_tests.calibrationround', verbose_name='calibration round')),
            ],
            options={
                'verbose_name': 'calibration rating',
                'verbose_name_plural': 'calibration ratings',
                'ordering': ['round', 'agency', 'shopper'],
                'constraints': [models.UniqueConstraint(fields=('round', 'agency', 'shopper'), name='calibration_one_rating_per_shopper')],
            },
        ),
    ]
