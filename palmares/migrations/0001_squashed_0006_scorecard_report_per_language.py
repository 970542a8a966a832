"""palmares' history, 0001 to 0006, squashed into one migration (issue 14).

``replaces`` keeps a database migrated to 0006 as it is: Django records this migration as applied
there. One data migration was left out: 0006's deletion of the PDF files of the one-per-entry
scorecard reports, which it then dropped (on a new database there are none; on an old one it has run)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('palmares', '0001_initial'), ('palmares', '0002_verbose_names'), ('palmares', '0003_appeal_agency_answered_by'), ('palmares', '0004_published_merkle_trees'), ('palmares', '0005_edition_audit'), ('palmares', '0006_scorecard_report_per_language')]

    initial = True

    dependencies = [
        ('election', '0001_squashed_0006_organisers_model_permissions'),
        ('mystery_tests', '0001_squashed_0008_criterion_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Publication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('decided_at', models.DateTimeField(verbose_name='decided at')),
                ('goes_live_at', models.DateTimeField(verbose_name='public from')),
                ('snapshot', models.JSONField(verbose_name='snapshot')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='fingerprint')),
                ('is_current', models.BooleanField(default=True, verbose_name='current')),
                ('unpublished_at', models.DateTimeField(blank=True, null=True, verbose_name='unpublished at')),
                ('unpublish_reason', models.TextField(blank=True, verbose_name='reason for unpublishing')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='publications', to='election.edition', verbose_name='edition')),
                ('unpublished_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='unpublished by')),
            ],
            options={
                'verbose_name': 'publication',
                'verbose_name_plural': 'publications',
                'ordering': ['-decided_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('edition',), name='publication_one_current_per_edition')],
            },
        ),
        migrations.CreateModel(
            name='Certificate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=32, unique=True, verbose_name='verification code')),
                ('overall', models.FloatField(verbose_name='overall score')),
                ('issued_at', models.DateTimeField(verbose_name='issued at')),
                ('valid_until', models.DateTimeField(verbose_name='valid until')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked at')),
                ('revoked_reason', models.TextField(blank=True, verbose_name='reason for revocation')),
                ('file', models.FileField(blank=True, upload_to='certificates/', verbose_name='PDF')),
                ('file_fingerprint', models.CharField(blank=True, max_length=64, verbose_name='PDF fingerprint')),
                ('generated_at', models.DateTimeField(blank=True, null=True, verbose_name='generated at')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to='election.entry', verbose_name='entry')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to='palmares.publication', verbose_name='publication')),
            ],
            options={
                'verbose_name': 'certificate',
                'verbose_name_plural': 'certificates',
                'constraints': [models.UniqueConstraint(fields=('publication', 'entry'), name='certificate_one_per_laureate')],
            },
        ),
        migrations.CreateModel(
            name='Appeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('filed_at', models.DateTimeField(auto_now_add=True, verbose_name='filed at')),
                ('reason', models.TextField(verbose_name='reason')),
                ('attachment', models.FileField(blank=True, upload_to='appeals/', verbose_name='evidence')),
                ('status', models.CharField(choices=[('open', 'Open'), ('accepted', 'Accepted'), ('rejected', 'Rejected')], default='open', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('answer', models.TextField(blank=True, verbose_name="organiser's answer")),
                ('agency_answer', models.TextField(blank=True, verbose_name="agency's answer")),
                ('agency_answered_at', models.DateTimeField(blank=True, null=True, verbose_name='agency answered at')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='appeals_decided', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='appeals', to='election.entry', verbose_name='entry')),
                ('filed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals_filed', to=settings.AUTH_USER_MODEL, verbose_name='filed by')),
                ('result', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='appeals', to='mystery_tests.testresult', verbose_name='test')),
                ('agency_answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='appeals_answered', to=settings.AUTH_USER_MODEL, verbose_name='agency answered by')),
            ],
            options={
                'verbose_name': 'appeal',
                'verbose_name_plural': 'appeals',
                'ordering': ['-filed_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('result',), name='appeal_one_open_per_test')],
            },
        ),
        migrations.CreateModel(
            name='PublishedTree',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category_slug', models.SlugField(max_length=80, verbose_name='category')),
                ('root', models.CharField(max_length=64, verbose_name='root')),
                ('tests', models.PositiveIntegerField(verbose_name='tests')),
                ('leaves', models.BinaryField(verbose_name='leaves')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='trees', to='palmares.publication', verbose_name='publication')),
            ],
            options={
                'verbose_name': 'published tree',
                'verbose_name_plural': 'published trees',
                'ordering': ['publication', 'category_slug'],
                'constraints': [models.UniqueConstraint(fields=('publication', 'category_slug'), name='published_tree_unique_category')],
            },
        ),
        migrations.CreateModel(
            name='Audit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rate', models.DecimalField(decimal_places=4, max_digits=5, verbose_name='sampling rate')),
                ('nonce', models.CharField(max_length=200, verbose_name="auditor's nonce")),
                ('tree_hash', models.CharField(max_length=64, verbose_name='edition tree hash when drawn')),
                ('seed', models.CharField(max_length=64, verbose_name='seed')),
                ('counted_tests', models.PositiveIntegerField(verbose_name='counted tests when drawn')),
                ('drawn_at', models.DateTimeField(verbose_name='drawn at')),
                ('signed_off_at', models.DateTimeField(blank=True, null=True, verbose_name='signed off at')),
                ('auditor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='auditor')),
                ('edition', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='audit', to='election.edition', verbose_name='edition')),
                ('signed_off_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signed off by')),
            ],
            options={
                'verbose_name': 'audit',
                'verbose_name_plural': 'audits',
                'ordering': ['-drawn_at'],
                'constraints': [models.CheckConstraint(condition=models.Q(('rate__gt', 0), ('rate__lte', 1)), name='audit_rate_0_1')],
            },
        ),
        migrations.CreateModel(
            name='AuditCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(verbose_name='position in the draw')),
                ('category_slug', models.SlugField(max_length=80, verbose_name='category')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='fingerprint when drawn')),
                ('outcome', models.CharField(blank=True, choices=[('', 'Not checked yet'), ('verified', 'Verified'), ('discrepancy', 'Discrepancy')], default='', max_length=12, verbose_name='outcome')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('checked_at', models.DateTimeField(blank=True, null=True, verbose_name='checked at')),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checks', to='palmares.audit', verbose_name='audit')),
                ('result', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='audit_checks', to='mystery_tests.testresult', verbose_name='test')),
            ],
            options={
                'verbose_name': 'audit check',
                'verbose_name_plural': 'audit checks',
                'ordering': ['audit', 'position'],
                'constraints': [models.UniqueConstraint(fields=('audit', 'result'), name='audit_check_one_per_test'), models.UniqueConstraint(fields=('audit', 'position'), name='audit_check_unique_position'), models.CheckConstraint(condition=models.Q(('outcome__in', ['', 'verified', 'discrepancy'])), name='audit_check_outcome_valid')],
            },
        ),
        migrations.CreateModel(
            name='ScorecardReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(max_length=10, verbose_name='language')),
                ('file', models.FileField(blank=True, upload_to='reports/', verbose_name='PDF')),
                ('fingerprint', models.CharField(blank=True, max_length=64, verbose_name='fingerprint')),
                ('generated_at', models.DateTimeField(blank=True, null=True, verbose_name='generated at')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='election.entry', verbose_name='entry')),
            ],
            options={
                'verbose_name': 'scorecard report',
                'verbose_name_plural': 'scorecard reports',
                'constraints': [models.UniqueConstraint(fields=('entry', 'language'), name='scorecard_report_one_per_language')],
            },
        ),
    ]
