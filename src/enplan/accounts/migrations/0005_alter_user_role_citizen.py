from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_email_changed_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("professional", "Professional"),
                    ("manager", "Manager"),
                    ("politician", "Politician"),
                    ("sysadmin", "System administrator"),
                    ("dpo", "Data protection officer"),
                    ("citizen", "Citizen"),
                ],
                default="professional",
                max_length=20,
                verbose_name="role",
            ),
        ),
    ]
