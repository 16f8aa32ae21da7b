from django.apps import AppConfig


class RecruitingConfig(AppConfig):
    name = "recruiting"

    def ready(self) -> None:
        # Every process that imports or computes KPIs loads this app; Arrow's allocator is
        # chosen before either allocates.
        from rpo_portal.arrow import memory_pool_choose

        memory_pool_choose()
