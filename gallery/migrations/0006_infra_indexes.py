# The gallery's views each walk one of these indexes newest first and stop after
# a page, instead of sorting every visible image in a temp B-tree.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gallery', '0005_image_parent_edits'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='image',
            name='gallery_ima_visibil_6c85bc_idx',
        ),
        migrations.RemoveIndex(
            model_name='image',
            name='gallery_ima_owner_i_9c239c_idx',
        ),
        migrations.AddIndex(
            model_name='image',
            index=models.Index(fields=['-created_at', '-id'], name='image_newest_first'),
        ),
        migrations.AddIndex(
            model_name='image',
            index=models.Index(fields=['visibility', '-created_at', '-id'], name='image_visibility_newest'),
        ),
        migrations.AddIndex(
            model_name='image',
            index=models.Index(fields=['owner', '-created_at', '-id'], name='image_owner_newest'),
        ),
    ]
