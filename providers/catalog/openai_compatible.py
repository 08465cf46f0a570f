"""Any other gateway that speaks OpenAI's /images/generations.

No built-in models: staff enter each model a gateway offers on the connection
in the admin, with the same dict shape as the other catalog modules. The
adapter sends ``size`` for list-sized models and width/height for range-sized
ones, and maps steps/guidance to num_inference_steps/guidance_scale.
"""

MODELS = []  # staff enter these models in the admin
