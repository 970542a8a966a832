"""scoring's history, 0001 to 0005, squashed into one migration (issue 14).

``replaces`` keeps a database migrated to 0005 as it is: Django records this migration as applied
there. No data migration was in it; the ``EditionFigures`` table created in 0001 and dropped in 0003
is gone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('scoring', '0001_initial'), ('scoring', '0002_category_ranking_runner_up'), ('scoring', '0003_remove_edition_figures'), ('scoring', '0004_verbose_names'), ('scoring', '0005_ranking_statistics')]

    initial = True

    dependencies = [
        ('election', '0001_squashed_0006_organisers_model_permissions'),
    ]

    operations = [
        migrations.CreateModel(
            name='CategoryRanking',
            fields=[
                ('category', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='ranking', serialize=False, to='election.category', verbose_name='category')),
                ('input_version', models.PositiveBigIntegerField(default=0, verbose_name='inputs version')),
                ('computed_version', models.PositiveBigIntegerField(default=0, verbose_name='computed version')),
                ('computed_at', models.DateTimeField(blank=True, null=True, verbose_name='computed at')),
                ('fingerprint', models.CharField(blank=True, max_length=64, verbose_name='inputs fingerprint')),
                ('contested', models.BooleanField(default=False, verbose_name='contested')),
                ('awarded', models.BooleanField(default=False, verbose_name='awarded')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('lead', models.FloatField(blank=True, null=True, verbose_name='lead')),
                ('margin', models.FloatField(blank=True, null=True, verbose_name='combined margin')),
                ('runner_up', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='election.entry', verbose_name='runner-up')),
                ('robustness', models.FloatField(blank=True, null=True, verbose_name='weight robustness')),
            ],
            options={
                'verbose_name': 'category ranking',
                'verbose_name_plural': 'category rankings',
            },
        ),
        migrations.CreateModel(
            name='EntryScore',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='computed', serialize=False, to='election.entry', verbose_name='entry')),
                ('overall', models.FloatField(blank=True, null=True, verbose_name='overall')),
                ('moe', models.FloatField(blank=True, null=True, verbose_name='margin of error')),
                ('complete', models.BooleanField(default=False, verbose_name='complete')),
                ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='rank')),
                ('laureate', models.BooleanField(default=False, verbose_name='laureate')),
                ('close_call', models.BooleanField(default=False, verbose_name='close call')),
                ('counted_tests', models.PositiveIntegerField(default=0, verbose_name='counted tests')),
                ('channels', models.JSONField(default=dict, verbose_name='channels')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('fingerprint', models.CharField(max_length=64, verbose_name='inputs fingerprint')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entry_scores', to='election.category', verbose_name='category')),
                ('p_best', models.FloatField(blank=True, null=True, verbose_name='P(best)')),
                ('p_threshold', models.FloatField(blank=True, null=True, verbose_name='P(threshold)')),
            ],
            options={
                'verbose_name': 'entry score',
                'verbose_name_plural': 'entry scores',
                'ordering': ['category', 'rank'],
            },
        ),
    ]
