"""The forty ideas of the Barcelona neighbourhoods project, as neighbours could write them.

Only text: where each one goes is decided when the demo loads
(`demo/neighbourhood_proposals.py`), on a real site of the kind it names. Kept apart
from that code because it is most of the length and is edited for other reasons.
"""

# (geometry, category, source, author, title, body); {place} is the site's real name.
IDEAS = [
    ("Point", "green-space", "fountain", "resident", "Shade over the fountain on {place}",
     "In July nobody can stand at this fountain after midday. A tree or a simple pergola "
     "would make it usable all summer, especially for older neighbours."),
    ("Point", "mobility", "station", "citizen", "Bike stands next to the Bicing on {place}",
     "Private bikes end up locked to the Bicing docks because there is nowhere else. A row "
     "of stands right beside the station would free the docks."),
    ("Point", "public-space", "fountain", "citizen", "Two benches by the fountain on {place}",
     "People stop here to fill their bottles and there is nowhere to sit. Two benches "
     "facing each other would turn this corner into a small meeting point."),
    ("Point", "play", "fountain", "resident", "A lower tap for children on {place}",
     "Kids can't reach this fountain without being lifted. A second, lower spout (and a "
     "bowl for dogs) would help the families who use it every day."),
    ("Point", "culture", "station", "business", "Community noticeboard at {place}",
     "Shops and associations around here tape posters to lampposts. A proper noticeboard "
     "next to the station would keep the street tidy and people informed."),
    ("Point", "mobility", "station", "expert", "Safer exit from the Bicing on {place}",
     "Cyclists leaving the station ride across the pavement to reach the road. A short "
     "ramp and a marked crossing would keep them away from people walking."),
    ("Point", "green-space", "station", "business", "Planters instead of parking on {place}",
     "Next to the station there is a car space that is mostly used for double parking. "
     "Two big planters with trees would cool the corner and look much better."),
    ("Point", "public-space", "fountain", "resident", "Fix the fountain on {place}",
     "This fountain has been dripping for months and the drain is blocked, so there is "
     "always a puddle. Please repair it and clean the grate."),
    ("Point", "mobility", "fountain", "citizen", "More room to walk past {place}",
     "Between the fountain, a bin and a lamppost there is less than a metre left. "
     "Pushchairs and wheelchairs have to go out onto the road."),
    ("Point", "culture", "fountain", "expert", "Tell the story of {place}",
     "A small plaque with old photos and a few lines of history would show neighbours and "
     "visitors what this street used to be."),
    ("Point", "play", "station", "citizen", "Ping-pong table near {place}",
     "The pavement is wide enough here for a concrete table tennis table. Teenagers in "
     "the area have nowhere to meet that isn't a bar terrace."),
    ("Point", "mobility", "station", "resident", "More docks at the Bicing on {place}",
     "Every morning the station is empty by 8:30 and in the evening there is never a free "
     "dock. Ten more docks would make a real difference."),
    ("Point", "green-space", "fountain", "expert", "Rain garden by the fountain on {place}",
     "The fountain's overflow and the rain from the street could water a small planted "
     "bed instead of going straight into the sewer."),
    ("Point", "public-space", "station", "business", "Drinking water at the Bicing on {place}",
     "Cyclists and delivery riders stop here all day in summer. A fountain next to the "
     "station would be used constantly."),
    ("LineString", "mobility", "lane", "expert", "Protect the bike lane on {place}",
     "Cars and vans stop on the lane every day. A low kerb or bollards along this stretch "
     "would keep it clear without taking any more space."),
    ("LineString", "green-space", "lane", "resident", "Trees along the bike lane on {place}",
     "This stretch has no shade at all. A line of trees between the lane and the traffic "
     "would cool it down and make it feel safer too."),
    ("LineString", "public-space", "lane", "citizen", "Better lighting on {place}",
     "After dark this stretch is badly lit and you can't see the potholes. Lights at "
     "cyclist height would help a lot in winter."),
    ("LineString", "mobility", "lane", "business", "Loading bays off the lane on {place}",
     "I run a shop here and see vans stopping on the bike lane because there is nowhere "
     "else. Short-stay loading bays would solve it for everyone."),
    ("LineString", "play", "lane", "citizen", "Learn-to-ride Sundays on {place}",
     "Close this stretch to cars on Sunday mornings so children can learn to ride safely "
     "next to the existing lane."),
    ("LineString", "mobility", "lane", "resident", "Resurface the bike lane on {place}",
     "The paint is worn out and there are cracks and loose drain covers. Resurfacing would "
     "make it much safer, especially for scooters."),
    ("LineString", "culture", "lane", "expert", "A cultural route along {place}",
     "The lane passes libraries, civic centres and a market. Simple signs with walking and "
     "cycling times would turn it into a route people use at weekends."),
    ("LineString", "green-space", "lane", "expert", "A green strip along {place}",
     "Replace the painted buffer between the lane and the traffic with a planted strip. "
     "It soaks up rain, cools the street and separates cyclists properly."),
    ("LineString", "mobility", "lane", "citizen", "Make the lane on {place} two-way",
     "To ride back you have to go round three blocks, so people ride against the traffic. "
     "A two-way lane on this stretch would fix that."),
    ("LineString", "public-space", "lane", "resident", "Slow the traffic on {place}",
     "Cars go far too fast next to the lane. Raised crossings at each junction on this "
     "stretch would slow them down and help people on foot."),
    ("LineString", "mobility", "lane", "business", "A green wave for bikes on {place}",
     "Time the traffic lights for 20 km/h along this stretch so cyclists don't have to "
     "stop at every junction."),
    ("LineString", "play", "lane", "resident", "Distance markers for runners on {place}",
     "Lots of people jog next to this lane. Markers every 100 m and a water point would "
     "make it a proper running route."),
    ("LineString", "culture", "lane", "citizen", "Murals on the walls along {place}",
     "The walls on this stretch are grey and covered in tags. Inviting local artists to "
     "paint murals would change how the whole street feels."),
    ("Polygon", "green-space", "fountain", "resident", "A pocket park on {place}",
     "This bit of leftover pavement could be a small garden with trees and benches. "
     "There is no green space within five minutes' walk."),
    ("Polygon", "play", "station", "resident", "Small playground near {place}",
     "Families with toddlers have to walk a long way to the nearest playground. A small "
     "fenced area with sand and a slide would fit here."),
    ("Polygon", "public-space", "fountain", "expert", "Turn this corner of {place} into a square",
     "Remove the parking, raise the road to pavement level and add seating: the corner "
     "would become a real square for the block."),
    ("Polygon", "culture", "station", "citizen", "Open-air stage near {place}",
     "A low platform with power points for concerts, theatre and street parties in "
     "summer. The neighbourhood groups would take care of the programme."),
    ("Polygon", "play", "fountain", "citizen", "Basketball hoops on {place}",
     "Teenagers already play here with a portable hoop. Two fixed hoops and some court "
     "markings would give them a proper place."),
    ("Polygon", "green-space", "fountain", "expert", "Community garden on {place}",
     "Raised beds run by neighbours, watered from the fountain next to it. A garden like "
     "this brings people together and teaches kids where food comes from."),
    ("Polygon", "public-space", "station", "business", "Free public tables near {place}",
     "All the seats around here belong to terraces. Some public benches and tables in the "
     "shade, for people who don't want to pay for a drink."),
    ("Polygon", "mobility", "station", "business", "Secure bike parking near {place}",
     "Flats here have no room for bikes, so they end up on balconies. A locked parking "
     "area with space for cargo bikes would get more people cycling."),
    ("Polygon", "culture", "fountain", "resident", "Reading corner on {place}",
     "A weatherproof bookcase for swapping books, a few chairs and some shade. It works "
     "in other neighbourhoods and costs almost nothing."),
    ("Polygon", "green-space", "station", "citizen", "Take up the asphalt near {place}",
     "This is all asphalt and it gives off heat until midnight in summer. Take some of it "
     "up and plant trees and shrubs."),
    ("Polygon", "play", "fountain", "expert", "Outdoor fitness area on {place}",
     "Simple exercise equipment for all ages, including older neighbours who want to keep "
     "active, next to the fountain."),
    ("Polygon", "public-space", "fountain", "resident", "A shaded meeting point on {place}",
     "A pergola with climbing plants and a few benches where neighbours can stop and talk, "
     "out of the sun."),
    ("Polygon", "culture", "station", "business", "Space for a weekend market near {place}",
     "Mark out stalls and add power points for a monthly market of local makers, "
     "producers and the shops of the street."),
]
